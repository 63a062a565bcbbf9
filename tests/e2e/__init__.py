"""End to end: a real Chromium, or ``govprobe`` as a child process, over the sandbox."""
