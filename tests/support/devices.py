"""Browser-context options for the devices the tests emulate."""

# A phone as Chromium emulates one: a 360 px wide screen, touch as the main pointer, a mobile viewport.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
