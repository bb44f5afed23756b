package graph

import "math"

// gapTree is the free space of the arena planner: disjoint gaps [start, start+len) kept in a treap
// ordered by start, each node also holding the longest gap of its subtree, so that the lowest gap
// that fits a request is found in O(log n). The last gap runs to infinity. It reproduces first-fit
// over the live buffers exactly, which is what the planner used before it was needed at scale.
type gapTree struct {
	root *gapNode
	seed uint64
}

type gapNode struct {
	start, len  int
	maxLen      int // the longest gap in this subtree
	prio        uint64
	left, right *gapNode
}

// endless is the length of the gap after the last buffer.
const endless = math.MaxInt / 4

func (t *gapTree) init() {
	t.root, t.seed = nil, 0x9e3779b97f4a7c15
	t.insert(0, endless)
}

// first returns the lowest start of a gap at least size long.
func (t *gapTree) first(size int) int {
	n := t.root
	for n != nil {
		switch {
		case n.left != nil && n.left.maxLen >= size:
			n = n.left
		case n.len >= size:
			return n.start
		default:
			n = n.right
		}
	}
	panic("graph: gapTree: no gap fits (the last one is endless)")
}

// take allocates [start, start+size) from the front of the gap that begins at start.
func (t *gapTree) take(start, size int) {
	var g *gapNode
	t.root, g = remove(t.root, start)
	if g.len > size {
		t.insert(start+size, g.len-size)
	}
}

// give frees [off, off+size), merging it with the gaps on either side.
func (t *gapTree) give(off, size int) {
	start, end := off, off+size
	if p := t.before(off); p != nil && p.start+p.len == off {
		start = p.start
		t.root, _ = remove(t.root, p.start)
	}
	if n := t.at(end); n != nil {
		var g *gapNode
		t.root, g = remove(t.root, n.start)
		end += g.len
	}
	t.insert(start, end-start)
}

// before returns the gap with the largest start below off, or nil.
func (t *gapTree) before(off int) *gapNode {
	var best *gapNode
	for n := t.root; n != nil; {
		if n.start < off {
			best, n = n, n.right
		} else {
			n = n.left
		}
	}
	return best
}

// at returns the gap that starts at off, or nil.
func (t *gapTree) at(off int) *gapNode {
	for n := t.root; n != nil; {
		switch {
		case off < n.start:
			n = n.left
		case off > n.start:
			n = n.right
		default:
			return n
		}
	}
	return nil
}

func (t *gapTree) insert(start, length int) {
	t.seed ^= t.seed << 13 // xorshift: priorities need only be unpredictable to the input's order
	t.seed ^= t.seed >> 7
	t.seed ^= t.seed << 17
	n := &gapNode{start: start, len: length, maxLen: length, prio: t.seed}
	l, r := split(t.root, start)
	t.root = merge(merge(l, n), r)
}

func (n *gapNode) fix() {
	n.maxLen = n.len
	if n.left != nil && n.left.maxLen > n.maxLen {
		n.maxLen = n.left.maxLen
	}
	if n.right != nil && n.right.maxLen > n.maxLen {
		n.maxLen = n.right.maxLen
	}
}

// split divides n into the gaps starting below key and the rest.
func split(n *gapNode, key int) (l, r *gapNode) {
	if n == nil {
		return nil, nil
	}
	if n.start < key {
		n.right, r = split(n.right, key)
		n.fix()
		return n, r
	}
	l, n.left = split(n.left, key)
	n.fix()
	return l, n
}

// merge joins two treaps whose keys are all smaller in l than in r.
func merge(l, r *gapNode) *gapNode {
	switch {
	case l == nil:
		return r
	case r == nil:
		return l
	case l.prio > r.prio:
		l.right = merge(l.right, r)
		l.fix()
		return l
	}
	r.left = merge(l, r.left)
	r.fix()
	return r
}

// remove takes the gap starting at key out of n and returns it.
func remove(n *gapNode, key int) (*gapNode, *gapNode) {
	l, r := split(n, key)
	g, r := split(r, key+1)
	return merge(l, r), g
}
