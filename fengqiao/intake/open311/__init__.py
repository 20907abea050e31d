"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Six resources, each in ``.json`` and ``.xml``::

    GET  services                 the service list
    GET  services/{service_code}  a service definition (no service has attributes)
    GET  requests                 public service requests, filtered
    POST requests                 a new request (needs an ``api_key``), through submit_report
    GET  requests/{id}            one public service request

``jurisdiction_id`` is a region code (county, township, community or grid). Errors are the
spec's error list, ``[{"code", "description"}]`` / ``<errors><error>``, with the HTTP
status as the code.

Service codes (stable, like all codes here): ``dispute.<category>`` for the 15 mediation
categories and ``dispute.campus``; ``hazard`` (public-safety hazards); ``suggestion``;
``service`` (help with a matter). Registrations of people and the emergency categories
(missing person, mental-health crisis, fraud) are not offered: those go to 110 or a
counter, never to an anonymous API.

What the public GETs show is chosen for privacy: never a reporter's name, phone, e-mail or
the tracking code (the tracking code lets a resident rate and reopen their report, so it is
a secret; ``service_request_id`` is the report's number instead). Disputes and help
requests are about people: they show no description and only the grid they happened in.

Where things are: ``catalog`` (the services offered), ``services`` (the writes: making a
key, a POSTed request through ``intake.services.submit_report``), ``selectors`` (keys,
regions and the public list of requests), ``rendering`` (JSON and XML answers, the rows a
request shows), ``errors`` (``Refusal``: an answer in the spec's error list), ``views``
(HTTP only) and ``urls``.
"""
