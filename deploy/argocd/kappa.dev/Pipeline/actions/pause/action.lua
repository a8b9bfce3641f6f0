-- Paused: the operator makes no changes; the active version keeps serving.
if obj.spec == nil then obj.spec = {} end
obj.spec.paused = true
return obj
