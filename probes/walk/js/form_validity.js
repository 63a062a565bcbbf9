// What the browser itself would refuse before sending (a required field left empty in a form
// sent by its submit button): [{i, message}] with i the field's data-govprobe-field, or [] when
// the form is valid or is sent by script.
() => {
  const button = document.querySelector('[data-govprobe-submit]');
  const form = button && button.form;
  if (!form || form.noValidate || button.type !== 'submit' || button.formNoValidate || form.checkValidity()) return [];
  return [...form.elements].filter(e => e.willValidate && !e.validity.valid).map(e => {
    const mark = e.closest('[data-govprobe-field]') || e;
    const opt = e.getAttribute('data-govprobe-option');
    const i = mark.getAttribute('data-govprobe-field') || (opt ? opt.split('-')[0] : null);
    return {i: i === null ? null : +i, message: e.validationMessage || '请填写此字段'};
  });
}
