-- Same as `kubectl kappa promote`: the operator switches serving to this version.
if obj.spec == nil then obj.spec = {} end
obj.spec.promote = true
return obj
