"""Drives an Odoo-compatible server with Python's own xmlrpc.client, as Odoo's external API
documentation shows it. Prints one line per check; exits non-zero on the first failure.

    python3 xmlrpc_client.py URL DB LOGIN PASSWORD
"""
import sys
import xmlrpc.client

url, db, login, password = sys.argv[1:5]
common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail else ""))
    if not condition:
        sys.exit(1)


version = common.version()
check("version", version["server_version_info"][0] >= 16, version)
uid = common.authenticate(db, login, password, {})
check("authenticate", isinstance(uid, int) and uid > 0, uid)
check("wrong password gives False", common.authenticate(db, login, "nope", {}) is False)

products = models.execute_kw(
    db, uid, password, "product.product", "search_read",
    [[["default_code", "like", "DESK"], ["list_price", ">=", 700]]],
    {"fields": ["default_code", "name", "lst_price", "qty_available"], "order": "default_code", "limit": 3},
)
check("search_read with a domain", len(products) == 3 and products[0]["default_code"].startswith("DESK"), products)
count = models.execute_kw(db, uid, password, "product.product", "search_count", [[["default_code", "=like", "DESK%"]]])
check("search_count", count == 6, count)

partner = models.execute_kw(db, uid, password, "res.partner", "create", [{"name": "xmlrpc.client buyer", "email": "buyer@example.com"}])
check("create", isinstance(partner, int), partner)
models.execute_kw(db, uid, password, "res.partner", "write", [[partner], {"phone": "+1 555 0101"}])
[record] = models.execute_kw(db, uid, password, "res.partner", "read", [[partner]], {"fields": ["name", "phone", "country_id"]})
check("write then read", record["phone"] == "+1 555 0101" and record["country_id"] is False, record)
check("unlink", models.execute_kw(db, uid, password, "res.partner", "unlink", [[partner]]) is True)

try:
    models.execute_kw(db, uid, password, "res.partner", "unlink", [[partner]])
    check("unlink a deleted record faults", False)
except xmlrpc.client.Fault as fault:
    check("unlink a deleted record faults (code 2)", fault.faultCode == 2, fault.faultString)
try:
    models.execute_kw(db, uid, "wrong", "res.partner", "search", [[]])
    check("wrong password faults", False)
except xmlrpc.client.Fault as fault:
    check("wrong password faults (code 3)", fault.faultCode == 3, fault.faultString)
try:
    models.execute_kw(db, uid, password, "no.such.model", "search", [[]])
    check("unknown model faults", False)
except xmlrpc.client.Fault as fault:
    check("unknown model faults (code 2)", fault.faultCode == 2 and "doesn't exist" in fault.faultString, fault.faultString)
print("all checks passed")
