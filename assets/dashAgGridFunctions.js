// Number formatting for the data tables, following the page language (fr: 83 588 and 1,25).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

function genscanLocale(lang) {
  return lang === "en" ? "en-GB" : "fr-FR";
}

dagfuncs.genscanNumber = function (value, lang) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  return new Intl.NumberFormat(genscanLocale(lang), { maximumFractionDigits: 0 }).format(value);
};

dagfuncs.genscanIndex = function (value, lang) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  return new Intl.NumberFormat(genscanLocale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(value);
};

dagfuncs.genscanPercentChange = function (value, lang) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  return new Intl.NumberFormat(genscanLocale(lang), {
    style: "percent",
    maximumFractionDigits: 1,
    signDisplay: "exceptZero",
  }).format(value);
};

dagfuncs.genscanIndexChange = function (value, lang) {
  if (value === null || value === undefined || value === "") {
    return "–";
  }
  return new Intl.NumberFormat(genscanLocale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: "exceptZero",
  }).format(value);
};
