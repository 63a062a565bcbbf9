"""govprobe: evaluate Chinese city governments' online services the way a citizen meets them.

The data flow is written once, in the README's "Architecture" section:
schedule -> load scenario -> walk journey (browser) or check (HTTP) -> store the evidence ->
extract and judge from the evidence -> score -> report and review.
"""

__version__ = "0.1.0"
