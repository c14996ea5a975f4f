"""The clinical pathway's pages: the clinician's blood count and order, the ward's checklist,
procedure and labels, and the patient's portal (preparation, aftercare, check-in, results).

Routers: ``clinician``, ``nursing``, ``patient``, ``api`` (JSON twins), ``cbc_api``
(blood count and safety preview); ``ward_forms`` fills the ward's forms and
``ward_readers`` turns them into use-case inputs, every refusal at once; ``portal_text``
writes the patient's sentences.
"""
