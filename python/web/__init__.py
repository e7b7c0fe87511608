"""Page plumbing over the bridge: the page shell (state, messages, start-up), the camera, the frame
loop, the screen wake lock, image files, spoken text and formatting.

The lowest app package: imports none of `teach`, `detect`, `models` or `classifier`, and never `js`
(everything goes through the `bridge` object a page passes in).
"""
