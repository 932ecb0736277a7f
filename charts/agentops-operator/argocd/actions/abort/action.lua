-- Argo CD action "abort": asks the operator through the annotation agentops.dev/abort (acted on once, then removed).
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["agentops.dev/abort"] = "true"
return obj
