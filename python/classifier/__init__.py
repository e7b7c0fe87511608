"""What was taught and how it answers: the class list, the dataset format and its store, the KNN
trainer, nearest neighbours, evaluation, steady labels, and step-wise parsing for large files.

Below the pages: never imports `teach` or `detect`; independent of `models` and `web`; never `js`
(storage goes through the `bridge` object a page passes in).
"""
