// The print button of the label sheet (inline handlers are barred by the CSP).
document.getElementById("print")?.addEventListener("click", function () { window.print(); });
