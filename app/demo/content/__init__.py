"""What the demo community says: titles and bodies of its contributions, by domain and
kind. Each entry is (topic, title, body, tags); the topic decides who is likely to answer
or reply (the pain circle answers pain questions, wound care answers wound questions)."""

from app.demo.content.circle import CIRCLE
from app.demo.content.nurses import NURSES
from app.demo.content.open_data import OPEN_DATA
from app.demo.content.wounds import WOUNDS

REPERTOIRES = {
    "palliative-care-nurses": NURSES,
    "pain-management-circle": CIRCLE,
    "wound-care": WOUNDS,
    "open-data-practitioners": OPEN_DATA,
}
