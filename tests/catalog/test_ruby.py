from __future__ import annotations

from hullcheck.catalog import ruby
from hullcheck.catalog.base import CatalogContext

from .helpers import ref

GEMSPEC = b"""# -*- encoding: utf-8 -*-
# stub: rake 13.0.6 ruby lib

Gem::Specification.new do |s|
  s.name = "rake".freeze
  s.version = "13.0.6"
  s.licenses = ["MIT".freeze, "Ruby".freeze]
end
"""


def test_gemspec() -> None:
    path = "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"
    assert ruby.wants(path)
    (pkg,) = ruby.parse(ref(path), GEMSPEC, CatalogContext())
    assert (pkg.name, pkg.version, pkg.purl) == ("rake", "13.0.6", "pkg:gem/rake@13.0.6")
    assert pkg.licenses == ("MIT", "Ruby")


def test_incomplete_gemspec() -> None:
    assert ruby.parse(ref("/s/specifications/x.gemspec"), b's.name = "x"', CatalogContext()) == []
    assert not ruby.wants("/src/x.gemspec")
