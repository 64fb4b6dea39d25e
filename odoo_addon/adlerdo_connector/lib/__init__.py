# Pure-Python helpers of the addon: they import nothing from Odoo so that they can be
# unit-tested without it (see tests/python/addon/ in the AdlerDo repository).
