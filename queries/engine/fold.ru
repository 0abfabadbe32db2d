#+ summary: Two version literals (a fork) become one, unless a write claims the version meanwhile
#+ params:
#+   state: {type: iri}
#+   version: {type: iri}
#+   claimed: {type: iri}
#+   one: {type: string}
#+   other: {type: string}
#+   token: {type: string}
DELETE { GRAPH ?state { ?state ?version ?one . ?state ?version ?other } }
INSERT { GRAPH ?state { ?state ?version ?token } }
WHERE {
  GRAPH ?state { ?state ?version ?one . ?state ?version ?other }
  FILTER NOT EXISTS { GRAPH ?state { ?state ?claimed ?anyClaim } }
}
