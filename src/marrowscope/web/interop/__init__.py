"""Exchange with hospital systems through the web: FHIR and HL7 v2 exports and imports."""
