"""The patient's next marrow: key figures beside the previous examination's, and the
published response category the repeat marrow is consistent with (ELN 2022 for AML,
IMWG 2016 for myeloma), each criterion traced as the diagnosis engines trace theirs.

Decision support only: a category is proposed as "consistent with", with the criteria
met and those missing, for the pathologist to adopt or not.
"""
