"""A person behind the assistant: hand-over to helpline staff, office hours, and feedback on answers.

- `hours`: office hours from config/helpline.yml (time zone, holidays, the silence timeout);
- `store`: hand-overs, staff replies and feedback in the tracker store's database;
- `dialogue`: the user's request for a person (within and outside office hours);
- `gate`: in the Rasa server, the channels' check before Rasa and the delivery of staff replies;
- `client`: the staff page's call to the Rasa server's delivery endpoint;
- `notify`: change notes for the staff page's live updates;
- `feedback`: 👍/👎 under answers, comments, and the report.
"""
