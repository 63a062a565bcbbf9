// What settling reads: [the body's text length, short timers pending (PENDING_TIMERS)].
() => [(document.body && document.body.innerText || '').length,
       window.__govprobePending ? window.__govprobePending() : 0]
