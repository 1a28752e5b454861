"""A demo community worth exploring: seventy people, a year of history in four domains.

- **Palliative Care Nurses** (`palliative-care-nurses`, public): some fifty nurses
  convened by Amara and Priya, meeting every four weeks in a case clinic, with an annual
  gathering and a workshop coming up (full, with a waitlist). Open at first, it asks
  newcomers to request since it matured. A community: people who keep meeting, answer
  each other and reuse what they share, at every level of participation from its core
  group to readers and newcomers.
- **Pain Management Circle** (`pain-management-circle`, private, by invitation) and
  **Wound Care** (`wound-care`, public, open): the nurses' two affinity groups. Mei
  belongs to both and is the broker between them.
- **Open Data Practitioners** (`open-data-practitioners`, public, open): two dozen people
  who drop in, ask, answer and move on, meeting irregularly: more a network than a
  community.

`cast` names the people and domains and `content` what they say; `plan` decides every step
and its moment with a fixed random seed; `replay` carries them out through the services
(see there for how the past gets its dates); `seed` loads it all."""
