-- Argo CD action "retry": asks the operator through the annotation agentops.dev/retry (acted on once, then removed).
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["agentops.dev/retry"] = "true"
return obj
