// [the body's text (its first 4000 characters), how many links, inputs and buttons there are]:
// what a maintenance notice is told from.
() => [document.body ? document.body.innerText.slice(0, 4000) : '',
       document.querySelectorAll('a[href], input, button').length]
