-- mailer.lua: mails a confirmation for each imported file, until the mail
-- server goes away.
local sub = Event.subscribe("import.file.done")
for i = 1, 3 do
  local e = Event.receive(sub, 5000)
  if i == 2 then
    error({ code = "SMTP_DOWN", message = "smtp.example.com refused the connection" })
  end
  Event.publish("mail.sent", { about = e.data.file })
end
