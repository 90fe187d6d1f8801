// Draws the heatmap of a page written by `geoheat map`: country outlines
// and heat cells read from the JSON block, on a canvas, with no network.
// Data is only ever read as JSON and drawn as pixels, never as markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("geoheat-data").textContent);
  var canvas = document.getElementById("map");
  var ctx = canvas.getContext("2d");
  // View: centre lon/lat and pixels per degree (equirectangular).
  var view = { lon: 0, lat: 15, scale: 0 };
  var ramp = buildRamp();

  function buildRamp() {
    var c = document.createElement("canvas");
    c.width = 256; c.height = 1;
    var g = c.getContext("2d");
    var grad = g.createLinearGradient(0, 0, 256, 0);
    // The stops are ramp.json's, [t, r, g, b, a] with alpha 0..255, sent
    // in the data block: the page has no colours of its own.
    for (var i = 0; i < data.ramp.length; i++) {
      var s = data.ramp[i];
      grad.addColorStop(s[0], "rgba(" + s[1] + "," + s[2] + "," + s[3] + "," + (s[4] / 255).toFixed(4) + ")");
    }
    g.fillStyle = grad;
    g.fillRect(0, 0, 256, 1);
    return g.getImageData(0, 0, 256, 1).data;
  }

  function size() {
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * dpr);
    canvas.height = Math.round(canvas.clientHeight * dpr);
    if (!view.scale) view.scale = Math.max(canvas.width / 360, canvas.height / 150);
  }

  function px(lon) { return canvas.width / 2 + (lon - view.lon) * view.scale; }
  function py(lat) { return canvas.height / 2 - (lat - view.lat) * view.scale; }

  function rings(list, fill) {
    for (var k = -1; k <= 1; k++) {
      var off = k * 360;
      ctx.beginPath();
      for (var i = 0; i < list.length; i++) {
        var r = list[i];
        ctx.moveTo(px(r[0] + off), py(r[1]));
        for (var j = 2; j < r.length; j += 2) {
          if (!fill && Math.abs(r[j] - r[j - 2]) > 180) ctx.moveTo(px(r[j] + off), py(r[j + 1]));
          else ctx.lineTo(px(r[j] + off), py(r[j + 1]));
        }
        if (fill) ctx.closePath();
      }
      if (fill) ctx.fill("nonzero"); else ctx.stroke();
    }
  }

  function heat() {
    var w = canvas.width, h = canvas.height;
    var off = document.createElement("canvas");
    off.width = w; off.height = h;
    var g = off.getContext("2d");
    var radius = Math.max(8, data.cell_deg * view.scale * 1.5) * (window.devicePixelRatio || 1);
    var logMax = Math.log1p(data.max || 1);
    // Each cell adds a soft alpha disc whose strength grows with the log of
    // its weight; the summed alpha is then coloured through the ramp.
    for (var i = 0; i < data.cells.length; i++) {
      var c = data.cells[i];
      var a = 0.15 + 0.85 * Math.log1p(c[2]) / logMax;
      for (var k = -1; k <= 1; k++) {
        var x = px(c[1] + k * 360), y = py(c[0]);
        if (x < -radius || x > w + radius || y < -radius || y > h + radius) continue;
        var grad = g.createRadialGradient(x, y, 0, x, y, radius);
        grad.addColorStop(0, "rgba(0,0,0," + a.toFixed(3) + ")");
        grad.addColorStop(1, "rgba(0,0,0,0)");
        g.fillStyle = grad;
        g.fillRect(x - radius, y - radius, 2 * radius, 2 * radius);
      }
    }
    var img = g.getImageData(0, 0, w, h);
    var p = img.data;
    for (var j = 3; j < p.length; j += 4) {
      var v = p[j];
      if (!v) continue;
      var o = v * 4;
      p[j - 3] = ramp[o]; p[j - 2] = ramp[o + 1]; p[j - 1] = ramp[o + 2]; p[j] = ramp[o + 3];
    }
    g.putImageData(img, 0, 0);
    ctx.drawImage(off, 0, 0);
  }

  function draw() {
    ctx.fillStyle = "#0f1c2b";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#2a3847";
    rings(data.land || [], true);
    ctx.strokeStyle = "#5a6e84";
    ctx.lineWidth = 1;
    rings(data.borders || [], false);
    heat();
  }

  var drag = null;
  canvas.addEventListener("mousedown", function (e) { drag = { x: e.clientX, y: e.clientY }; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    var dpr = window.devicePixelRatio || 1;
    view.lon -= (e.clientX - drag.x) * dpr / view.scale;
    view.lat += (e.clientY - drag.y) * dpr / view.scale;
    drag = { x: e.clientX, y: e.clientY };
    draw();
  });
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    view.scale = Math.min(400, Math.max(1, view.scale * (e.deltaY < 0 ? 1.25 : 0.8)));
    draw();
  }, { passive: false });
  window.addEventListener("resize", function () { size(); draw(); });
  size();
  draw();
})();
