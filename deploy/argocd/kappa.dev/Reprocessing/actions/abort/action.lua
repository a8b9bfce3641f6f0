-- The operator deletes the candidate; serving is untouched. Irreversible.
if obj.spec == nil then obj.spec = {} end
obj.spec.abort = true
return obj
