"""A whole domain as one JSON document, and back: `export_domain` writes it,
`import_domain` restores it as a new domain (here or on another instance)."""

from app.services.exports.document import parse_document
from app.services.exports.dump import Progress, export_domain
from app.services.exports.load import Restored, import_domain

__all__ = ["Progress", "Restored", "export_domain", "import_domain", "parse_document"]
