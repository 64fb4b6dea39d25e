"""The hub's Odoo-compatible facade driven by Odoo client libraries written by others:
Python's standard xmlrpc.client and OdooRPC (PyPI).

Usage: facade_clients.py URL DB LOGIN KEY ODOO_PRODUCT_ID
Prints "all checks passed" at the end; any failed check raises.
"""

import json
import sys
import urllib.parse
import urllib.request
import xmlrpc.client

import odoorpc

url, db, login, key, odoo_product_id = sys.argv[1:6]
odoo_product_id = int(odoo_product_id)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok -", what)


def fault(call, *args):
    try:
        call(*args)
    except xmlrpc.client.Fault as f:
        return f
    raise AssertionError("expected a fault")


# ---------------------------------------------------------------- xmlrpc.client, /xmlrpc/2
common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")

info = common.version()
check(info["server_version"].startswith("18.0"), "version looks like Odoo 18")
check("adlerdo" in info["server_version"] and "adlerdo_version" in info, "version names AdlerDo")
check(info["protocol_version"] == 1, "protocol_version 1")

uid = common.authenticate(db, login, key, {})
check(isinstance(uid, int) and uid > 0, f"authenticate gives a uid ({uid})")
check(common.login(db, login, "0" * 40) is False, "a wrong key gives False")
check(common.login(db, "someone-else", key) is False, "a wrong login gives False")
f = fault(common.login, "nodb", login, key)
check(f.faultCode == 1 and "does not exist" in f.faultString, "an unknown db is a fault")

f = fault(models.execute_kw, db, uid, "0" * 40, "adlerdo.product", "search", [[]])
check(f.faultCode == 3 and f.faultString == "Access Denied", "a wrong key on object is fault 3")


def kw(model, method, args, kwargs=None):
    return models.execute_kw(db, uid, key, model, method, args, kwargs or {})


products = kw(
    "adlerdo.product",
    "search_read",
    [[["active", "=", True], ["list_price", ">", 0]]],
    {"fields": ["name", "default_code", "list_price", "write_date"], "limit": 5, "order": "id"},
)
check(0 < len(products) <= 5, f"search_read with a domain returns products ({len(products)})")
check(set(products[0]) == {"id", "name", "default_code", "list_price", "write_date"}, "only the asked fields")
check(all(p["list_price"] > 0 for p in products), "the domain is applied")
check(len(products[0]["write_date"]) == 19, "datetimes in Odoo's format")
n = kw("adlerdo.product", "search_count", [[["list_price", ">", 0]]])
check(isinstance(n, int) and n >= len(products), f"search_count ({n})")
ids = kw("adlerdo.product", "search", [[]], {"limit": 3, "offset": 1, "order": "id desc"})
check(ids == sorted(ids, reverse=True) and len(ids) <= 3, "search with order, limit, offset")
pairs = kw("adlerdo.product", "name_search", [products[0]["name"][:4]])
check(any(p[0] == products[0]["id"] for p in pairs), "name_search finds the product")
fields = kw("adlerdo.product", "fields_get", [], {"attributes": ["type", "string"]})
check(fields["list_price"]["type"] == "float" and fields["name"]["string"] == "Name", "fields_get")

# A marketplace account: credentials are write-only.
mp = kw("adlerdo.marketplace", "create", [{"kind": "shopify", "name": "My shop", "settings": {"buffer": 2},
                                            "credentials": {"access_token": "shpat_secret"}}])
check(isinstance(mp, int), "create answers the id for a dict")
rec = kw("adlerdo.marketplace", "read", [[mp]])[0]
check("credentials" not in rec and rec["has_credentials"] is True, "credentials are never read back")
named = kw("adlerdo.marketplace", "read", [[mp], ["credentials"]])[0]
check(named["credentials"] is False, "credentials read as False even when named")
check(rec["settings"] == {"buffer": 2} and rec["kind"] == "shopify", "settings and kind read back")
check(kw("adlerdo.marketplace", "write", [[mp], {"name": "Renamed", "enabled": False}]) is True, "write")
check(kw("adlerdo.marketplace", "read", [[mp], ["name", "enabled"]])[0]["enabled"] is False, "write applied")

listing_ids = kw("adlerdo.listing", "create", [[
    {"marketplace_id": mp, "product_id": products[0]["id"], "sku": "SKU-1"},
    {"marketplace_id": mp, "sku": "SKU-2", "status": "active"},
]])
check(len(listing_ids) == 2, "create answers a list for a list")
found = kw("adlerdo.listing", "search_read", [[["marketplace_id.name", "=", "Renamed"], ["sku", "like", "SKU-"]]],
           {"fields": ["sku", "marketplace_id", "product_id"], "order": "sku"})
check([r["sku"] for r in found] == ["SKU-1", "SKU-2"], "dotted paths in domains")
check(found[0]["marketplace_id"] == [mp, "Renamed"], "many2one read as [id, name]")
check(found[1]["product_id"] is False, "an empty many2one reads False")

f = fault(kw, "adlerdo.listing", "create", [{"marketplace_id": mp, "sku": "SKU-1"}])
check(f.faultCode == 2, "a duplicate SKU on one account is a validation fault")
f = fault(kw, "adlerdo.listing", "create", [{"sku": "NO-ACCOUNT"}])
check(f.faultCode == 2 and "mandatory" in f.faultString, "a missing required field is a validation fault")
f = fault(kw, "adlerdo.listing", "write", [[listing_ids[0]], {"status": "bogus"}])
check(f.faultCode == 1 and "Wrong value for adlerdo.listing.status" in f.faultString, "a bad selection value")
f = fault(kw, "adlerdo.nothing", "search", [[]])
check(f.faultCode == 2 and "adlerdo.nothing" in f.faultString, "an unknown model is a fault")
f = fault(kw, "adlerdo.product", "_private", [])
check(f.faultCode in (1, 4), "a private method is refused")
f = fault(kw, "adlerdo.product", "search", [[["no_such_field", "=", 1]]])
check(f.faultCode == 1 and "no_such_field" in f.faultString, "an unknown field in a domain")
f = fault(kw, "adlerdo.order", "create", [{"external_id": "x"}])
check(f.faultCode == 4, "read-only hub models refuse create (AccessError)")

check(kw("adlerdo.listing", "unlink", [[listing_ids[1]]]) is True, "unlink")
check(kw("adlerdo.listing", "search_count", [[["id", "=", listing_ids[1]]]]) == 0, "unlinked")
f = fault(kw, "adlerdo.listing", "write", [[listing_ids[1]], {"sku": "X"}])
check(f.faultCode == 2 and "does not exist" in f.faultString, "write on a deleted record is a MissingError")

# The addon's calls.
check(kw("adlerdo.sync", "notify_products_changed", [[odoo_product_id]]) == 1, "notify_products_changed")
check(kw("adlerdo.sync", "notify_stock_changed", [[odoo_product_id, odoo_product_id]]) == 1, "notify_stock_changed")
status = kw("adlerdo.sync", "status", [])
check(status["flows"]["products"]["products"] >= len(products), "status has product counts")
check(any(a["id"] == mp for a in status["marketplaces"]), "status lists the marketplace account")
job = kw("adlerdo.sync", "run", ["products"])
check(job is False or isinstance(job, int), "run(flow)")
f = fault(kw, "adlerdo.sync", "run", ["nonsense"])
check("Unknown flow" in f.faultString, "run of an unknown flow is refused")
f = fault(kw, "adlerdo.sync", "notify_stock_changed", ["not a list"])
check(f.faultCode == 1 and "TypeError" in f.faultString, "bad arguments are a TypeError")

# Legacy /xmlrpc: string fault codes.
legacy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/object")
try:
    legacy.execute_kw(db, uid, key, "adlerdo.listing", "write", [[999999], {"sku": "X"}])
    raise AssertionError("expected a fault")
except xmlrpc.client.Fault as f:
    check(f.faultCode.startswith("warning -- MissingError"), "legacy route: string fault code")

# ---------------------------------------------------------------- OdooRPC over /jsonrpc
parsed = urllib.parse.urlparse(url)
odoo = odoorpc.ODOO(parsed.hostname, protocol="jsonrpc", port=parsed.port)
check(odoo.version.startswith("18.0"), "odoorpc reads the version")
check(db in odoo.db.list(), "odoorpc db.list")
odoo.login(db, login, key)
check(odoo.env.uid == uid, "odoorpc logs in")
check("adlerdo.product" in odoo.env and "adlerdo.nothing" not in odoo.env, "odoorpc: 'model' in env (ir.model)")
Product = odoo.env["adlerdo.product"]
rows = Product.search_read([["active", "=", True]], ["name", "list_price"], limit=3)
check(len(rows) == 3 and "list_price" in rows[0], "odoorpc search_read")
Marketplace = odoo.env["adlerdo.marketplace"]
new_id = Marketplace.create({"kind": "ebay", "name": "eBay DE"})
account = Marketplace.browse(new_id)
check(account.name == "eBay DE" and account.kind == "ebay", "odoorpc browse reads fields")
account.name = "eBay Germany"
check(Marketplace.browse(new_id).name == "eBay Germany", "odoorpc writes through a record")
check(Marketplace.search([["name", "=", "eBay Germany"]]) == [new_id], "odoorpc search")
account.unlink()
check(Marketplace.search_count([["id", "=", new_id]]) == 0, "odoorpc unlink")
try:
    odoo.env["adlerdo.listing"].create({"sku": "no account"})
    raise AssertionError("expected an RPCError")
except odoorpc.error.RPCError as e:
    check("mandatory" in str(e), "odoorpc sees a validation error")
try:
    odoo.execute("adlerdo.nothing", "search", [])
    raise AssertionError("expected an RPCError")
except odoorpc.error.RPCError as e:
    check("adlerdo.nothing" in str(e), "odoorpc sees an unknown model")
check(odoo.execute("adlerdo.sync", "notify_products_changed", [odoo_product_id]) == 1,
      "odoorpc: the addon's notify call")

bad = odoorpc.ODOO(parsed.hostname, protocol="jsonrpc", port=parsed.port)
try:
    bad.login(db, login, "f" * 40)
    raise AssertionError("expected a login error")
except odoorpc.error.Error as e:
    check("Wrong login ID or password" in str(e), "odoorpc: a wrong key fails to log in")

# ---------------------------------------------------------------- JSON-2 with a bearer key
def json2(path, body, token=key):
    req = urllib.request.Request(f"{url}/json/2/{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"bearer {token}"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


status, body = json2("adlerdo.sync/status", {})
check(status == 200 and "flows" in body, "JSON-2 status()")
status, body = json2("adlerdo.product/search_read", {"domain": [], "fields": ["name"], "limit": 2})
check(status == 200 and len(body) == 2, "JSON-2 search_read")
status, body = json2("adlerdo.sync/status", {}, token="0" * 40)
check(status == 401, "JSON-2 with a wrong key is 401")

print("all checks passed")
