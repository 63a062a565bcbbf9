/* The portal's shared "chunk-vendors" script, loaded before pc.js and h5.js: the small DOM
 * builder both apps use in place of a framework's render functions, and the API call. */
(function () {
  'use strict';

  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined || value === false) { return; }
        if (key === 'class') { el.className = value; }
        else if (key === 'text') { el.textContent = value; }
        else if (key === 'html') { el.innerHTML = value; }
        else if (key.slice(0, 2) === 'on') { el.addEventListener(key.slice(2), value); }
        else { el.setAttribute(key, value === true ? '' : value); }
      });
    }
    for (var i = 2; i < arguments.length; i++) { add(el, arguments[i]); }
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  function text(value) { return value === null || value === undefined ? '' : String(value); }
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json;charset=UTF-8', 'Accept': 'application/json, text/plain, */*'},
      body: JSON.stringify(body),
      credentials: 'same-origin'
    }).then(function (r) {
      if (!r.ok) { throw new Error('请求失败（' + r.status + '）'); }
      return r.json();
    });
  }

  window.__PORTAL_VENDOR__ = {h: h, add: add, text: text, post: post};
}());
