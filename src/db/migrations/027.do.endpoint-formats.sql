-- The body a URL endpoint receives: bookbell's own JSON (what every endpoint got so far), Ocrolus's webhook bodies,
-- a Slack message or a Teams Adaptive Card. Stored events keep bookbell's payload; the format is rendered at send.
-- An e-mail endpoint gets mail, so it stays 'bookbell'.
alter table endpoints add column format text not null default 'bookbell';
alter table endpoints add constraint endpoints_format_known
  check (format in ('bookbell', 'ocrolus', 'slack', 'teams'));
alter table endpoints add constraint endpoints_email_format
  check (email is null or format = 'bookbell');
