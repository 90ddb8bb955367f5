'use strict';

// Entry of the GEN_SCAN partial plotly.js bundle: plotly's core (which always holds the scatter
// trace and every layout component) plus only the other trace types the dashboard draws.
// A new trace type in the app's figures (dashboard/figures.py) needs its module here, then
// `bash tools/plotly-bundle/build.sh`: a trace type plotly does not know is not drawn.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/choropleth'), // the map's départements
    require('plotly.js/lib/scattergeo'), // the map's colour bar, rings, legend squares, insets
    require('plotly.js/lib/bar'), // breakdowns and the simulation chart
    // Plotly's own texts (mode bar, hints) in French; used once a graph's config sets locale 'fr'.
    require('plotly.js/lib/locales/fr')
]);

// dcc.Graph uses window.Plotly when it is defined instead of fetching the full plotly.min.js.
window.Plotly = Plotly;

module.exports = Plotly;
