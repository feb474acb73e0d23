"""`make try`: a local page where staff chat with the current model and see why each reply was given.

    chat.py      conversations through the real agent (bot.serve.load_agent) and its composer
    explain.py   what was understood, how sure, the runner-up, and the file and line of every part
    server.py    the page and its requests, on 127.0.0.1 only
    static/      the page (no scripts or styles from anywhere else)
"""
