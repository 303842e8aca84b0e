"""The travel customer-service hotel scenario: English on MultiWOZ's Cambridge hotels, Chinese on CrossWOZ's
Beijing hotels. Same engine, two specs."""
