"""Streamlit multipage dashboards that read the chains through the nodes' gRPC API.

The pages arrive with the dashboards issue.
"""
