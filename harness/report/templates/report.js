(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("matrix-data").textContent);
  var runs = data.runs;
  var table = document.getElementById("matrix");
  var input = document.getElementById("q");
  var shownLabel = document.getElementById("shown");
  var selects = {
    outcome: document.getElementById("f-outcome"),
    impl: document.getElementById("f-impl"),
    os: document.getElementById("f-os"),
    python: document.getElementById("f-python"),
    area: document.getElementById("f-area")
  };

  var KEYS = {
    outcome: "outcome", is: "outcome", o: "outcome",
    impl: "impl", implementation: "impl", i: "impl",
    os: "os", platform: "os",
    py: "python", python: "python",
    area: "area", a: "area",
    persona: "persona"
  };
  var OS_ALIASES = { windows: "win32", win: "win32", mac: "darwin", macos: "darwin", osx: "darwin" };
  var UNEXPECTED = "feXtcms";
  var CODE_OF = {};
  Object.keys(data.codes).forEach(function (code) { CODE_OF[data.codes[code]] = code; });
  CODE_OF.na = "n";

  // Rows of the matrix, with their precomputed data; area heading rows group them.
  var rows = [];
  var groups = [];
  Array.prototype.forEach.call(table.children, function (el) {
    if (el.className === "m-head") return;
    if (el.className === "m-area") {
      groups.push({ el: el, members: [], hidden: false });
      return;
    }
    var entry = data.rows[Number(el.getAttribute("data-i"))];
    var row = { el: el, area: entry[0].toLowerCase(), codes: entry[1], text: entry[2], hidden: false };
    rows.push(row);
    if (groups.length) groups[groups.length - 1].members.push(row);
  });

  function emptyQuery() {
    return { words: [], outcome: [], impl: [], os: [], python: [], area: [], persona: [] };
  }

  // A query is, per key, a list of terms that must all hold; a term is a list of
  // alternatives (``impl:stdlib,gevent``) of which one must hold.
  function normalise(key, value) {
    if (key === "os" && OS_ALIASES[value]) return OS_ALIASES[value];
    if (key !== "outcome") return value;
    if (value === "unexpected" || value === "bad") return UNEXPECTED;
    return CODE_OF[value] || "";
  }

  function addTerm(query, key, text) {
    var values = text.split(",").filter(function (v) { return v; });
    if (!values.length) return;
    var term = values.map(function (v) { return normalise(key, v); });
    query[key].push(key === "outcome" ? term.join("") : term);
  }

  // A drop-down's value is matched exactly ("=" marks it), a query word as a prefix.
  function addChoice(query, key, value) {
    if (!value) return;
    query[key].push(key === "outcome" ? normalise(key, value) : ["=" + value]);
  }

  function parse(text) {
    var query = emptyQuery();
    text.toLowerCase().split(/\s+/).forEach(function (token) {
      if (!token) return;
      var match = /^([a-z]+):(.*)$/.exec(token);
      if (match && KEYS[match[1]]) addTerm(query, KEYS[match[1]], match[2]);
      else query.words.push(token);
    });
    Object.keys(selects).forEach(function (key) {
      addChoice(query, key, selects[key].value.toLowerCase());
    });
    return query;
  }

  function prefixed(value, wanted) {
    return value.indexOf(wanted) === 0;
  }

  function pythonMatches(value, wanted) {
    return value.split(" ").some(function (part) {
      return part === wanted || part.indexOf(wanted + ".") === 0;
    });
  }

  function holds(terms, value, test) {
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var any = false;
      for (var j = 0; j < term.length && !any; j++) {
        any = term[j].charAt(0) === "=" ? value === term[j].slice(1) : test(value, term[j]);
      }
      if (!any) return false;
    }
    return true;
  }

  function columnMatches(run, query) {
    return holds(query.impl, run.impl.toLowerCase(), prefixed) &&
      holds(query.os, run.os.toLowerCase(), prefixed) &&
      holds(query.python, run.python.toLowerCase(), pythonMatches) &&
      holds(query.persona, run.persona.toLowerCase(), prefixed);
  }

  // Each outcome term is a string of outcome codes; some shown column must have one of them.
  function outcomeMatches(codes, columns, terms) {
    for (var t = 0; t < terms.length; t++) {
      var found = false;
      for (var c = 0; c < columns.length && !found; c++) {
        found = terms[t].indexOf(codes.charAt(columns[c])) !== -1;
      }
      if (!found) return false;
    }
    return true;
  }

  function rowMatches(row, query, columns) {
    if (!holds(query.area, row.area, prefixed)) return false;
    for (var w = 0; w < query.words.length; w++) {
      if (row.text.indexOf(query.words[w]) === -1) return false;
    }
    return query.outcome.length === 0 || outcomeMatches(row.codes, columns, query.outcome);
  }

  function setHidden(item, hidden) {
    if (item.hidden !== hidden) {
      item.hidden = hidden;
      item.el.hidden = hidden;
    }
  }

  function apply() {
    var query = parse(input.value);
    var columns = [];
    var hiddenColumns = [];
    runs.forEach(function (run, index) {
      if (columnMatches(run, query)) columns.push(index);
      else hiddenColumns.push("h" + index);
    });
    // A class hN on the matrix hides column N (rules in the stylesheet): only its cells restyle.
    var classes = hiddenColumns.join(" ");
    if (table.className !== classes) table.className = classes;
    var shown = 0;
    rows.forEach(function (row) {
      var visible = columns.length > 0 && rowMatches(row, query, columns);
      setHidden(row, !visible);
      if (visible) shown += 1;
    });
    groups.forEach(function (group) {
      setHidden(group, group.members.every(function (row) { return row.hidden; }));
    });
    shownLabel.textContent = shown + " of " + rows.length + " specs" +
      (columns.length < runs.length ? ", " + columns.length + " of " + runs.length + " runs" : "");
    return shown;
  }

  input.addEventListener("input", apply);
  Object.keys(selects).forEach(function (key) { selects[key].addEventListener("change", apply); });
  document.getElementById("f-clear").addEventListener("click", function () {
    input.value = "";
    Object.keys(selects).forEach(function (key) { selects[key].value = ""; });
    apply();
  });

  // A cell says which run and outcome it is when the pointer is over it.
  table.addEventListener("mouseover", function (event) {
    var cell = event.target;
    var match = cell.tagName === "I" && !cell.title && /^o-(\w) c(\d+)$/.exec(cell.className);
    if (match) cell.title = runs[Number(match[2])].label + ": " + data.codes[match[1]];
  });

  // Following a link to a spec opens its detail.
  function openTarget() {
    var match = /^#(s\d+)$/.exec(window.location.hash);
    var target = match && document.getElementById(match[1]);
    if (target && target.tagName === "DETAILS") target.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // A table of class "sortable" sorts by a column when its heading is clicked (again: the
  // other way). A cell's sort value is its data-v attribute, else its text; data-sort="num"
  // headings compare numbers.
  function sortTable(tableEl, column, numeric, descending) {
    var body = tableEl.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (row, index) {
      var cell = row.cells[column];
      var raw = cell ? (cell.getAttribute("data-v") || cell.textContent.trim()) : "";
      return { row: row, index: index, key: numeric ? (parseFloat(raw) || 0) : raw.toLowerCase() };
    });
    keyed.sort(function (a, b) {
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index;
      return descending ? -order : order;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (tableEl) {
    var headings = tableEl.tHead ? tableEl.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headings, function (th, column) {
      if (!th.hasAttribute("data-sort")) return;
      th.tabIndex = 0;
      th.title = "sort by " + th.textContent.trim();
      function sortHere() {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortTable(tableEl, column, th.getAttribute("data-sort") === "num", descending);
      }
      th.addEventListener("click", sortHere);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortHere(); }
      });
    });
  });

  window.sockspecReport = { apply: apply, parse: parse, sortTable: sortTable };
  if (input.value || Object.keys(selects).some(function (k) { return selects[k].value; })) apply();
})();
