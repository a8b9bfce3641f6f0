-- The operator consumes the annotation (removes it) and flips the Service
-- back to the previous version; Events say whether it could.
if obj.metadata.annotations == nil then obj.metadata.annotations = {} end
obj.metadata.annotations["kappa.dev/rollback"] = "true"
return obj
