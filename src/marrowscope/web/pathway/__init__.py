"""The clinical pathway's pages: the clinician's blood count and order, the ward's checklist,
procedure and labels, and the patient's portal (preparation, aftercare, check-in, results).

Routers: ``clinician``, ``nursing``, ``patient``, ``api`` (JSON twins), ``cbc_api``
(blood count and safety preview); ``ward_forms`` turns
the ward's forms into use-case inputs; ``portal_text`` writes the patient's sentences.
"""
