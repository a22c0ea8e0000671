// "Add line" for the invoice form: clones the formset's empty row. Without JavaScript the form
// still works, with the empty rows the server renders.
(function () {
  const button = document.getElementById("add-invoice-line");
  const template = document.getElementById("invoice-line-template");
  const total = document.getElementById("id_lines-TOTAL_FORMS");
  const body = document.querySelector("#invoice-lines tbody");
  if (!button || !template || !total || !body) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    const index = parseInt(total.value, 10);
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
  });
})();
