"""No import circle among the console's modules: a circle means two modules that cannot be understood, tested or
moved one without the other. Lazy imports inside functions count too (grimp reads every import statement)."""

import grimp

PACKAGES = ("etelecom", "etelecom_console", "shops", "zalo", "pbx", "sms")


def circles(graph) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in sorted(graph.modules)}
    index, low, stack, on_stack, found = {}, {}, [], set(), set()
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for position in range(child, len(edges[node])):
                target = edges[node][position]
                if target not in index:
                    work += [(node, position + 1), (target, 0)]
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.add(frozenset(component))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def test_no_import_circle_among_the_consoles_modules():
    assert circles(grimp.build_graph(*PACKAGES)) == set()


def test_the_circle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d")]:
        graph.add_import(importer=importer, imported=imported)
    assert circles(graph) == {frozenset("abc"), frozenset("de")}
