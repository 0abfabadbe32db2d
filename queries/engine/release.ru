#+ summary: Give a claim up (a write that gave up, a lease broken); it becomes a version
#+ params:
#+   state: {type: iri}
#+   version: {type: iri}
#+   claimed: {type: iri}
#+   claim: {type: string}
#+   token: {type: string, description: the new version}
DELETE { GRAPH ?state { ?state ?claimed ?claim } }
INSERT { GRAPH ?state { ?state ?version ?token } }
WHERE { GRAPH ?state { ?state ?claimed ?claim } }
