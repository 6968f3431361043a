"""The catalogers as one analyser of the single layer pass (``hullcheck.analysis``)."""

from __future__ import annotations

from hullcheck.analysis import AnalyserOutput
from hullcheck.catalog.collector import CatalogResult
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.subscriber import CatalogSubscriber
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult


class CatalogAnalyser:
    """The catalogers in the pass: ``scan_image(request, [CatalogAnalyser()])``."""

    def __init__(self) -> None:
        self._subscriber = CatalogSubscriber(CATALOGERS)
        self.result: CatalogResult | None = None

    def subscriptions(self, image: Image) -> list[Subscription]:
        return self._subscriber.subscriptions()

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        self.result = self._subscriber.finish(walk)
        return AnalyserOutput(
            packages=list(self.result.packages),
            diagnostics=[e.diagnostic() for e in self.result.errors],
        )
