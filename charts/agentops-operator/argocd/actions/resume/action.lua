-- Argo CD action "resume": asks the operator through the annotation agentops.dev/resume (acted on once, then removed).
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["agentops.dev/resume"] = "true"
return obj
