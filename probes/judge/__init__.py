"""Step 5 of the data flow: extract and judge from the stored evidence alone, pure.

``extract`` turns a guide's stored HTML into the canonical elements (lxml, any markup);
``rules`` judges completeness and accuracy from an extraction; ``replies`` reads a message
board's stored list and detail pages into rows and replies (lxml, as guides are read);
``rejudge`` reads a stored round's evidence, checked against its hashes, and writes its
judgements again, guides and replies, so last month's captures can be judged with today's
rules with no browser.
"""
