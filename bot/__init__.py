"""Library of the assistant for people displaced from Ukraine in Belgium.

Plain Python that knows nothing about Rasa's action server: the knowledge store, language detection,
region resolution, translations, replies, custom Rasa components and channels.
"""
