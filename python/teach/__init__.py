"""The Teach page: webcam -> embedding -> KNN, classes taught with buttons or image files.

Holds the page's wiring (`app`), its models on a backend (`engine`), its settings, class cards, record
buttons, evaluation panel, "What MobileNet sees" and the object finder ("Teach objects"). A page: it may import anything below it (`models`, `classifier`,
`web`), never `detect` (what both pages need lives below them) and never `js` (that is `bridge`'s).
"""
