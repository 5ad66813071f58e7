// Bulk import: upload with a progress bar, then show the server's answer (imported, or every bad field).
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.DOMParser) { return; }
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var status = document.getElementById("import-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = "正在上传… " + bar.value + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate while the server checks every row
      status.textContent = "上传完成，正在逐行检查…";
    });
    xhr.addEventListener("load", function () {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var result = page.getElementById("import-result");
      document.getElementById("import-result").replaceWith(result || page.body);
      bar.value = 100;
      status.textContent = xhr.status === 200 ? "完成" : "未导入";
      form.reset();
    });
    xhr.addEventListener("error", function () { status.textContent = "网络错误，请重试"; });
    box.hidden = false;
    bar.value = 0;
    xhr.send(new FormData(form));
  });
}());
