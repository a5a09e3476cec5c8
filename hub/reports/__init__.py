"""HTML and terminal reports for ministry staff (Vietnamese by default, English by option)."""
