"""Sends "these Odoo product ids changed" notifications to the hub off the user's request.

Pure Python (no Odoo import). After a transaction commits, the addon hands one batch
(product ids, stock ids and the hub settings read inside the transaction) to :func:`submit`.
A single daemon thread sends the batches: the user's request never waits on the network.
Batches waiting while a call is in flight are merged. A hub that is down is logged once (a
warning), then quietly until it answers again (an info line); the hub's own periodic sync
catches up with what was missed, so nothing is retried here.
"""

import logging
import queue
import threading

_logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, client_factory, logger=None):
        """``client_factory(config)`` returns an object with ``notify_products_changed`` and
        ``notify_stock_changed``; ``config`` is the dict given to :meth:`submit`."""
        self.client_factory = client_factory
        self.logger = logger or _logger
        self.synchronous = False
        self._queue = queue.Queue()
        self._thread = None
        self._lock = threading.Lock()
        self.hub_down = False
        self.sent = 0
        self.failed = 0

    # -- public --------------------------------------------------------------------------

    def submit(self, config, product_ids=(), stock_ids=()):
        product_ids = {int(i) for i in product_ids if i}
        stock_ids = {int(i) for i in stock_ids if i}
        if not (product_ids or stock_ids):
            return
        if self.synchronous:
            self._send(config, product_ids, stock_ids)
            return
        self._queue.put((config, product_ids, stock_ids))
        self._ensure_thread()

    def flush(self, timeout=10.0):
        """Waits until every submitted batch was handled (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        self._ensure_thread()
        return done.wait(timeout)

    # -- internals -------------------------------------------------------------------------

    def _ensure_thread(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="adlerdo-notifier", daemon=True
                )
                self._thread.start()

    def _loop(self):
        while True:
            item = self._queue.get()
            events, batches = [], {}
            self._take(item, events, batches)
            # merge what queued up meanwhile, per hub configuration
            while True:
                try:
                    self._take(self._queue.get_nowait(), events, batches)
                except queue.Empty:
                    break
            for key, (config, products, stock) in batches.items():
                del key
                self._send(config, products, stock)
            for event in events:
                event.set()

    @staticmethod
    def _take(item, events, batches):
        if isinstance(item, threading.Event):
            events.append(item)
            return
        config, products, stock = item
        key = tuple(sorted((k, str(v)) for k, v in config.items()))
        if key in batches:
            batches[key][1].update(products)
            batches[key][2].update(stock)
        else:
            batches[key] = (config, set(products), set(stock))

    def _send(self, config, product_ids, stock_ids):
        try:
            client = self.client_factory(config)
            if product_ids:
                client.notify_products_changed(sorted(product_ids))
            if stock_ids:
                client.notify_stock_changed(sorted(stock_ids))
        except Exception as exc:  # pylint: disable=broad-except
            self.failed += 1
            if not self.hub_down:
                self.hub_down = True
                self.logger.warning(
                    "AdlerDo: could not notify the hub of %d product and %d stock changes (%s); "
                    "the hub's periodic sync will catch up. Further failures are not logged "
                    "until the hub answers again.",
                    len(product_ids), len(stock_ids), exc,
                )
            else:
                self.logger.debug("AdlerDo: hub still unreachable: %s", exc)
            return False
        self.sent += 1
        if self.hub_down:
            self.hub_down = False
            self.logger.info("AdlerDo: the hub answers again; notifications resumed.")
        return True
