"""Pure shaping of read-model figures: comparisons, rankings, the simulator, and the figure
builders with their theme. No I/O and no Dash: plain data in, plain dicts out."""
