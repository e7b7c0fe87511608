"""The Detect page: camera or photo -> detector -> boxes with class and confidence.

Holds the page's wiring (`app`), the box list, the tracker, and naming boxes with the classes taught
on Teach (`box_names`, `naming_panel`). A page: it may import anything below it (`models`,
`classifier`, `web`), never `teach` (what both pages need lives below them) and never `js`.
"""
