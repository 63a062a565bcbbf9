// Online-apply entries on a guide: (text, href) of links/buttons that start an application.
() => {
  const out = [];
  for (const e of document.querySelectorAll('a, button, [role=button], input[type=button]')) {
    const t = (e.innerText || e.value || '').replace(/\s+/g, '').trim();
    if (/^(在线办理|网上办理|在线申办|立即申报|我要办理|在线申报|立即办理|网上申报|在线申请|去办理|马上办)$/.test(t)) {
      const href = e.href || e.getAttribute('data-href') || e.getAttribute('data-url') || '';
      out.push({text: t, href});
    }
  }
  return out;
}
