"""The monitoring centre's screen (`lienthong serve`): heat map, scorecards, drill-down, metrics API, exports."""
