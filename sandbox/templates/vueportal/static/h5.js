/* The H5 portal: a single-page app in the DOM shapes of Vue + Vant (History API routes).
 *
 * /h5/home, /h5/search?keyword=, /h5/category(?name=), /h5/guide/{itemCode},
 * /h5/guide/{itemCode}/materials. On a shared site every address carries ?region=.
 * Everything comes from POST JSON calls to CFG.api with terminal "H5"; text is always set with
 * textContent, except the search highlighter's fragments, which the server escapes. */
(function () {
  'use strict';
  var CFG = window.__PORTAL_CONFIG__;
  var app = document.getElementById('app');
  var renderToken = 0;
  var SEARCH_STATE = 'h5_search_state';
  var SPLASH_SECONDS = 5;

  // ------------------------------------------------------------------ helpers

  var V = window.__PORTAL_VENDOR__, h = V.h, add = V.add, text = V.text;
  function present(value) { return value !== null && value !== undefined; }
  function post(path, body) { return V.post(CFG.api + path, Object.assign({terminal: 'H5'}, body)); }
  function regionCode() { return new URLSearchParams(CFG.region || '').get('region'); }
  // an H5 address: the path, the query, the region of a shared site last
  function url(path, query) {
    var q = new URLSearchParams(query || {});
    var region = regionCode();
    if (region) { q.set('region', region); }
    var s = q.toString();
    return path + (s ? '?' + s : '');
  }
  function go(path, query) {
    saveScroll();
    history.pushState({app: true}, '', url(path, query));
    render();
  }
  function back() {
    // an address opened directly has nowhere in the app to go back to: home instead
    if (history.state && history.state.app) { history.back(); } else { go('/h5/home'); }
  }
  function icon(name) { return h('i', {class: 'van-icon van-icon-' + name}); }
  function loading(message) {
    return h('div', {class: 'van-loading van-loading--vertical'},
      h('span', {class: 'van-loading__spinner van-loading__spinner--circular'}),
      h('span', {class: 'van-loading__text', text: message || '加载中…'}));
  }
  function empty(message) {
    return h('div', {class: 'van-empty'}, h('div', {class: 'van-empty__image'}),
      h('p', {class: 'van-empty__description', text: message}));
  }
  function navBar(title, withBack) {
    var left = withBack ? h('div', {class: 'van-nav-bar__left', role: 'button', tabindex: '0', 'aria-label': '返回'},
      icon('arrow-left van-nav-bar__arrow'), h('span', {class: 'van-nav-bar__text', text: '返回'})) : null;
    if (left) { left.addEventListener('click', back); }
    return h('div', {class: 'van-nav-bar van-hairline--bottom van-nav-bar--fixed'},
      h('div', {class: 'van-nav-bar__content'}, left,
        h('div', {class: 'van-nav-bar__title van-ellipsis', text: title})));
  }
  function page(title, withBack) {
    var body = h('div', {class: 'page__body'});
    add(app, [navBar(title, withBack), h('div', {class: 'van-nav-bar__placeholder'}), body]);
    document.title = title + ' - ' + CFG.cityName + '掌上办事';
    return body;
  }
  // a van-cell: label left, value right; `value` a string or a node
  function cell(title, value, opts) {
    opts = opts || {};
    var cls = 'van-cell' + (opts.link ? ' van-cell--clickable' : '') + (opts.cls ? ' ' + opts.cls : '');
    var el = h('div', {class: cls, role: opts.link ? 'button' : null, tabindex: opts.link ? '0' : null},
      h('div', {class: 'van-cell__title'}, h('span', {text: title}),
        opts.label ? h('div', {class: 'van-cell__label', text: opts.label}) : null),
      present(value) ? h('div', {class: 'van-cell__value'}, typeof value === 'string' ? h('span', {text: value}) : value) : null,
      opts.link ? icon('arrow van-cell__right-icon') : null);
    if (opts.link) { el.addEventListener('click', opts.link); }
    return el;
  }
  function group(title, cells) {
    return h('div', {class: 'van-cell-group-box'},
      title ? h('div', {class: 'van-cell-group__title', text: title}) : null,
      h('div', {class: 'van-cell-group van-cell-group--inset van-hairline--top-bottom'}, cells));
  }
  function highlighted(record) {
    var span = h('span', {class: 'item-name'});
    if (record.highlightName) {
      // the server escapes the name and marks matches with <em>; Vant portals use span.highlight
      span.innerHTML = record.highlightName.replace(/<em>/g, '<span class="highlight">').replace(/<\/em>/g, '</span>');
    } else {
      span.textContent = record.itemName;
    }
    return span;
  }
  function guidePath(code) { return '/h5/guide/' + encodeURIComponent(code); }
  function itemCell(record) {
    var el = h('div', {class: 'van-cell van-cell--clickable item-cell', role: 'button', tabindex: '0'},
      h('div', {class: 'van-cell__title'}, highlighted(record),
        h('div', {class: 'van-cell__label'},
          h('div', {class: 'item-dept', text: text(record.deptName)}),
          h('div', {class: 'item-tags'},
            h('span', {class: 'van-tag van-tag--plain van-tag--primary', text: text(record.itemType)}),
            record.isOnline === '1' ? h('span', {class: 'van-tag van-tag--success', text: '可网办'}) : null))),
      icon('arrow van-cell__right-icon'));
    el.addEventListener('click', function () { go(guidePath(record.itemCode)); });
    return el;
  }
  function saveScroll() {
    var state = readSearchState();
    if (state && location.pathname === '/h5/search') {
      state.scrollY = window.scrollY;
      writeSearchState(state);
    }
  }
  function readSearchState() {
    try { return JSON.parse(sessionStorage.getItem(SEARCH_STATE) || 'null'); } catch (e) { return null; }
  }
  function writeSearchState(state) {
    try { sessionStorage.setItem(SEARCH_STATE, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  // ------------------------------------------------------------------ home

  function fakeSearch() {
    var input = h('input', {type: 'search', readonly: true, placeholder: '搜索事项', class: 'van-field__control'});
    var box = h('div', {class: 'van-search van-search--show-action'},
      h('div', {class: 'van-search__content van-search__content--round'},
        h('div', {class: 'van-cell van-cell--borderless van-field'},
          h('div', {class: 'van-field__left-icon'}, icon('search')),
          h('div', {class: 'van-cell__value van-field__value'}, h('div', {class: 'van-field__body'}, input)))));
    box.addEventListener('click', function () { go('/h5/search'); });
    return box;
  }

  function renderHome(token) {
    var body = page(CFG.cityName + '掌上办事', false);
    var hot = h('div', {class: 'hot-words'}, h('span', {class: 'hot-words__title', text: '热门搜索'}));
    ['营业执照', '社保', '公积金提取', '不动产登记'].forEach(function (word) {
      hot.appendChild(h('span', {class: 'van-tag van-tag--round van-tag--medium hot-word', text: word,
        onclick: function () { go('/h5/search', {keyword: word}); }}));
    });
    var grid = h('div', {class: 'van-grid van-hairline--top'}, loading());
    var links = h('div', {class: 'van-grid van-hairline--top home-links'},
      gridItem('friends-o', '互动交流', null, CFG.hdjl),
      gridItem('apps-o', '全部分类', function () { go('/h5/category'); }),
      gridItem('search', '事项搜索', function () { go('/h5/search'); }),
      gridItem('desktop-o', '电脑版', null, CFG.pcHome));
    add(body, [
      h('div', {class: 'home-banner'}, h('div', {class: 'home-banner__city', text: CFG.cityName}),
        h('div', {class: 'home-banner__slogan', text: '一网通办 · 掌上可办'})),
      fakeSearch(), hot, links,
      h('div', {class: 'van-cell-group__title', text: '按部门分类'}), grid,
      h('div', {class: 'home-footer', text: '主办：' + CFG.sponsor + '　' + CFG.icp})]);
    post('/catalog', {areaCode: CFG.areaCode}).then(function (json) {
      if (token !== renderToken) { return; }
      grid.textContent = '';
      (json.data ? json.data.depts : []).forEach(function (dept) {
        grid.appendChild(gridItem('description', dept.name, function () { go('/h5/category', {name: dept.name}); }));
      });
    }).catch(function () { grid.textContent = '加载失败，请稍后重试'; });
  }

  function gridItem(iconName, label, onclick, href) {
    var content = h(href ? 'a' : 'div', {class: 'van-grid-item__content van-grid-item__content--center van-grid-item__content--clickable', href: href || null},
      h('i', {class: 'van-icon van-icon-' + iconName + ' van-grid-item__icon'}),
      h('span', {class: 'van-grid-item__text', text: label}));
    if (onclick) { content.addEventListener('click', onclick); }
    return h('div', {class: 'van-grid-item', style: 'flex-basis: 25%;'}, content);
  }

  // ------------------------------------------------------------------ search

  function renderSearch(query, token) {
    var body = page('事项搜索', true);
    var keyword = query.get('keyword') || '';
    var input = h('input', {type: 'search', placeholder: '请输入事项名称', class: 'van-field__control', enterkeyhint: 'search'});
    input.value = keyword;
    var action = h('div', {class: 'van-search__action', role: 'button', tabindex: '0', text: '搜索'});
    var clear = icon('clear van-field__clear');
    var bar = h('div', {class: 'van-search van-search--show-action search-sticky'},
      h('div', {class: 'van-search__content van-search__content--round'},
        h('div', {class: 'van-cell van-cell--borderless van-field'},
          h('div', {class: 'van-field__left-icon'}, icon('search')),
          h('div', {class: 'van-cell__value van-field__value'}, h('div', {class: 'van-field__body'}, input, clear)))),
      action);
    var head = h('div', {class: 'result-head'});
    var list = h('div', {role: 'feed', class: 'van-list', 'aria-busy': 'false'});
    add(body, [bar, head, list]);
    var state = null;   // {keyword, records, pageNo, total, finished}
    var busy = false;
    var timer = null;
    var seq = 0;

    function footer() {
      var old = list.querySelector('.van-list__loading, .van-list__finished-text, .van-list__error-text');
      if (old) { old.remove(); }
      if (busy) {
        list.appendChild(h('div', {class: 'van-list__loading'}, h('div', {class: 'van-loading van-loading--circular'},
          h('span', {class: 'van-loading__spinner van-loading__spinner--circular'}),
          h('span', {class: 'van-loading__text', text: '加载中…'}))));
      } else if (state && state.finished && state.records.length) {
        list.appendChild(h('div', {class: 'van-list__finished-text', text: '没有更多了'}));
      }
      list.setAttribute('aria-busy', busy ? 'true' : 'false');
    }
    function showHead() {
      head.textContent = '';
      if (!state) { return; }
      if (!state.records.length && state.finished) {
        head.appendChild(empty('未找到与“' + state.keyword + '”相关的事项'));
        return;
      }
      head.appendChild(h('div', {class: 'result-head__text'}, '共找到 ', h('span', {class: 'total', text: String(state.total)}), ' 个相关事项'));
    }
    function append(records) {
      records.forEach(function (r) { list.appendChild(itemCell(r)); });
    }
    function loadMore() {
      if (!state || busy || state.finished) { return; }
      busy = true;
      footer();
      var mine = ++seq;
      var wanted = state;
      post('/item/search', {keyword: wanted.keyword, areaCode: CFG.areaCode, pageNo: wanted.pageNo + 1, pageSize: CFG.pageSize}).then(function (json) {
        if (token !== renderToken || mine !== seq) { return; }
        busy = false;
        if (!json.data) { wanted.finished = true; footer(); showHead(); return; }
        wanted.pageNo = json.data.pageNo;
        wanted.total = json.data.total;
        wanted.records = wanted.records.concat(json.data.records);
        wanted.finished = wanted.records.length >= json.data.total || !json.data.records.length;
        append(json.data.records);
        writeSearchState(wanted);
        showHead();
        footer();
        check();
      }).catch(function () {
        if (token !== renderToken || mine !== seq) { return; }
        busy = false;
        footer();
        list.appendChild(h('div', {class: 'van-list__error-text', text: '请求失败，点击重新加载', onclick: loadMore}));
      });
    }
    // van-list: load the next page when the list's bottom comes near the viewport's bottom
    function check() {
      if (token !== renderToken || !state || busy || state.finished) { return; }
      if (list.getBoundingClientRect().bottom - window.innerHeight <= 50) { loadMore(); }
    }
    function start(value, fromUrl) {
      value = value.trim();
      seq++;
      busy = false;
      list.textContent = '';
      if (!fromUrl) { history.replaceState(history.state, '', url('/h5/search', value ? {keyword: value} : null)); }
      if (!value) { state = null; showHead(); footer(); return; }
      state = {keyword: value, records: [], pageNo: 0, total: 0, finished: false};
      showHead();
      loadMore();
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { start(input.value, false); }, 300);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.keyCode === 13) { e.preventDefault(); clearTimeout(timer); start(input.value, false); input.blur(); }
    });
    action.addEventListener('click', function () { clearTimeout(timer); start(input.value, false); });
    clear.addEventListener('click', function () { input.value = ''; clearTimeout(timer); start('', false); input.focus(); });
    function onScroll() { check(); }
    window.addEventListener('scroll', onScroll, {passive: true});
    cleanups.push(function () { window.removeEventListener('scroll', onScroll); clearTimeout(timer); });

    var saved = readSearchState();
    if (keyword && saved && saved.keyword === keyword.trim() && saved.records && saved.records.length) {
      state = saved;   // back from a guide: the loaded list, where it was scrolled to
      append(state.records);
      showHead();
      footer();
      window.scrollTo(0, saved.scrollY || 0);
    } else if (keyword) {
      start(keyword, true);
    } else {
      setTimeout(function () { input.focus(); }, 0);
    }
  }

  // ------------------------------------------------------------------ categories

  function renderCategory(query, token) {
    var name = query.get('name') || '';
    var body = page(name || '全部分类', true);
    var box = h('div', {class: 'category-list'}, loading());
    body.appendChild(box);
    if (!name) {
      post('/catalog', {areaCode: CFG.areaCode}).then(function (json) {
        if (token !== renderToken) { return; }
        box.textContent = '';
        var cells = (json.data ? json.data.depts : []).map(function (dept) {
          return cell(dept.name, dept.count + '项', {link: function () { go('/h5/category', {name: dept.name}); }});
        });
        box.appendChild(group('按部门分类', cells));
      }).catch(function () { box.textContent = ''; box.appendChild(empty('加载失败，请稍后重试')); });
      return;
    }
    var records = [];
    function fetchPage(n) {
      return post('/item/list', {type: 'dept', name: name, areaCode: CFG.areaCode, pageNo: n, pageSize: 50}).then(function (json) {
        if (!json.data) { return; }
        records = records.concat(json.data.records);
        if (records.length < json.data.total && json.data.records.length) { return fetchPage(n + 1); }
      });
    }
    fetchPage(1).then(function () {
      if (token !== renderToken) { return; }
      box.textContent = '';
      if (!records.length) { box.appendChild(empty('该分类下暂无事项')); return; }
      box.appendChild(h('div', {class: 'result-head'}, h('div', {class: 'result-head__text'}, name + '　共 ', h('span', {class: 'total', text: String(records.length)}), ' 个事项')));
      var list = h('div', {class: 'van-list'});
      records.forEach(function (r) { list.appendChild(itemCell(r)); });
      list.appendChild(h('div', {class: 'van-list__finished-text', text: '没有更多了'}));
      box.appendChild(list);
    }).catch(function () { box.textContent = ''; box.appendChild(empty('加载失败，请稍后重试')); });
  }

  // ------------------------------------------------------------------ the guide

  function days(day, type) { return present(day) ? text(day) + text(type) : null; }
  function joined(list, key) {
    var values = (list || []).map(function (x) { return x[key]; }).filter(present);
    return values.length ? values.map(text).join('；') : null;
  }
  // a phone value with every number a tel: link (the text stays the value)
  function phones(value) {
    var span = h('span', {class: 'phone-value'});
    var re = /(\d{3,4}-\d{7,8}(?:-\d{1,4})?|1[3-9]\d{9}|\b\d{5,8}\b)/g;
    var s = text(value), last = 0, m;
    while ((m = re.exec(s)) !== null) {
      if (m.index > last) { span.appendChild(document.createTextNode(s.slice(last, m.index))); }
      span.appendChild(h('a', {href: 'tel:' + m[1].replace(/-/g, ''), class: 'tel-link', text: m[1]}));
      last = m.index + m[1].length;
    }
    if (last < s.length) { span.appendChild(document.createTextNode(s.slice(last))); }
    return span;
  }
  function vanSteps(flow) {
    return h('div', {class: 'van-steps van-steps--vertical'}, h('div', {class: 'van-steps__items'},
      flow.map(function (s, i) {
        return h('div', {class: 'van-hairline van-step van-step--vertical' + (i === 0 ? ' van-step--process' : '')},
          h('div', {class: 'van-step__title', text: text(s.STEP_NAME)}),
          h('div', {class: 'van-step__circle-container'}, h('i', {class: 'van-step__circle'})),
          h('div', {class: 'van-step__line'}));
      })));
  }
  // the guide's sections: [title, [[label, value, kind]]]; a null value has no cell at all
  function guideSections(data) {
    var item = data.AUDIT_ITEM, result = data.AUDIT_ITEM_RESULT || {};
    var lobby = data.AUDIT_CATALOG_LOBBY || [], flow = data.AUDIT_ITEM_FLOWSHEET || [];
    return [
      {title: '受理条件', cells: [['受理条件', item.ACCEPT_CONDITION, 'block']]},
      {title: '办理流程', steps: flow},
      {title: '收费标准', cells: [['是否收费', item.IS_FEE_TEXT]]},
      {title: '设定依据', cells: [['设定依据', joined(data.LAW, 'LAW_NAME'), 'block']]},
      {title: '办理地点及时间', cells: [['办理地点', joined(lobby, 'ADDRESS'), 'block'], ['办理时间', joined(lobby, 'OFFICE_HOUR'), 'block']]},
      {title: '咨询投诉', cells: [['咨询电话', item.LINK_TEL, 'tel'], ['投诉电话', item.TSTEL, 'tel']]}
    ].map(function (s) {
      if (s.cells) { s.cells = s.cells.filter(function (c) { return present(c[1]); }); }
      return s;
    }).filter(function (s) { return s.steps ? s.steps.length > 0 : s.cells.length > 0; });
  }
  function sectionCell(c) {
    if (c[2] === 'tel') { return cell(c[0], phones(c[1]), {cls: 'phone-cell'}); }
    if (c[2] === 'block') { return cell(c[0], text(c[1]), {cls: 'van-cell--block'}); }
    return cell(c[0], text(c[1]));
  }
  function collapseItem(section) {
    var title = h('div', {class: 'van-cell van-cell--clickable van-collapse-item__title', role: 'button', tabindex: '0', 'aria-expanded': 'false'},
      h('div', {class: 'van-cell__title'}, h('span', {text: section.title})), icon('arrow van-cell__right-icon'));
    var item = h('div', {class: 'van-collapse-item van-hairline--top'}, title);
    var wrapper = null;
    function toggle() {
      if (wrapper) {  // lazy-render: closed content leaves the DOM
        wrapper.remove();
        wrapper = null;
        title.setAttribute('aria-expanded', 'false');
        title.classList.remove('van-collapse-item__title--expanded');
        return;
      }
      var content = h('div', {class: 'van-collapse-item__content'});
      if (section.steps) { add(content, vanSteps(section.steps)); }
      else { section.cells.forEach(function (c) { content.appendChild(sectionCell(c)); }); }
      wrapper = h('div', {class: 'van-collapse-item__wrapper'}, content);
      item.appendChild(wrapper);
      title.setAttribute('aria-expanded', 'true');
      title.classList.add('van-collapse-item__title--expanded');
    }
    title.addEventListener('click', toggle);
    title.addEventListener('keydown', function (e) { if (e.key === 'Enter') { toggle(); } });
    return item;
  }

  function renderGuide(code, token) {
    var body = page('办事指南', true);
    var holder = h('div', {class: 'guide'}, loading());
    body.appendChild(holder);
    post('/item/detail', {itemCode: code}).then(function (json) {
      if (token !== renderToken) { return; }
      holder.textContent = '';
      if (!json.data) { holder.appendChild(empty(json.error || '未找到事项')); return; }
      var data = json.data, item = data.AUDIT_ITEM, result = data.AUDIT_ITEM_RESULT || {};
      document.title = text(item.TASK_NAME) + ' - ' + CFG.cityName + '掌上办事';
      var consult = CFG.consult + '?' + new URLSearchParams({matter: text(item.TASK_NAME), region: text(item.AREA_CODE)}).toString();
      holder.appendChild(h('div', {class: 'guide-head'},
        h('div', {class: 'guide-head__title', text: text(item.TASK_NAME)}),
        h('div', {class: 'guide-head__dept'}, icon('location-o'), ' ' + text(item.DEPT_NAME))));
      var basic = [
        ['事项名称', item.CATANAME], ['实施编码', item.TASK_HANDLE_ITEM],
        ['事项类型', item.TASK_TYPE_TEXT], ['实施主体', item.DEPT_NAME], ['办件类型', item.PROJECT_TYPE_TEXT],
        ['法定时限', days(item.ANTICIPATE_DAY, item.ANTICIPATE_TYPE_TEXT)],
        ['承诺时限', days(item.PROMISE_DAY, item.PROMISE_TYPE_TEXT)],
        ['到现场办理的次数', item.LIMIT_SCENE_NUM], ['办理形式', item.ONLINECHECK_TEXT],
        ['审批结果', result.RESULT_NAME]
      ].filter(function (p) { return present(p[1]); }).map(function (p) { return cell(p[0], text(p[1])); });
      holder.appendChild(group('基本信息', basic));
      var count = data.MATERIAL_COUNT || 0;
      if (count > 0) {
        holder.appendChild(group(null, [cell('申请材料（' + count + '）', null, {cls: 'materials-entry', link: function () {
          go(guidePath(code) + '/materials');
        }})]));
      }
      var collapse = h('div', {class: 'van-collapse van-hairline--top-bottom'});
      guideSections(data).forEach(function (s) { collapse.appendChild(collapseItem(s)); });
      holder.appendChild(h('div', {class: 'van-cell-group__title', text: '办理信息'}));
      holder.appendChild(collapse);
      holder.appendChild(h('div', {class: 'guide-links'},
        h('a', {href: CFG.hdjl, class: 'guide-links__hdjl', text: '互动交流'}),
        h('a', {href: consult, class: 'guide-links__consult', text: '我要咨询'})));
      var bar = h('div', {class: 'van-action-bar van-safe-area-bottom'},
        h('a', {class: 'van-action-bar-icon', href: consult}, icon('chat-o van-action-bar-icon__icon'), '咨询'),
        item.TRANSACT_WEB_URL
          ? h('a', {class: 'van-button van-button--danger van-button--large van-action-bar-button van-action-bar-button--last online-apply', href: item.TRANSACT_WEB_URL},
            h('div', {class: 'van-button__content'}, h('span', {class: 'van-button__text', text: '在线办理'})))
          : h('button', {type: 'button', class: 'van-button van-button--default van-button--large van-action-bar-button van-button--disabled', disabled: true},
            h('div', {class: 'van-button__content'}, h('span', {class: 'van-button__text', text: '请到窗口办理'}))));
      body.appendChild(bar);
    }).catch(function (err) {
      if (token !== renderToken) { return; }
      holder.textContent = '';
      holder.appendChild(empty('服务器繁忙，请稍后重试（' + err.message + '）'));
    });
  }

  function fileLink(href, label) {
    return href ? h('a', {href: href, class: 'file-link', target: '_blank', text: label}) : null;
  }

  function renderMaterials(code, token) {
    var body = page('申请材料', true);
    var holder = h('div', {class: 'materials'}, loading());
    body.appendChild(holder);
    post('/item/materials', {itemCode: code}).then(function (json) {
      if (token !== renderToken) { return; }
      holder.textContent = '';
      if (!json.data || !json.data.length) { holder.appendChild(empty(json.error || '暂无申请材料')); return; }
      holder.appendChild(h('div', {class: 'result-head'}, h('div', {class: 'result-head__text', text: '共 ' + json.data.length + ' 份材料'})));
      json.data.forEach(function (m, n) {
        holder.appendChild(h('div', {class: 'material-card van-cell-group van-cell-group--inset'},
          h('div', {class: 'van-cell material-card__head'}, h('div', {class: 'van-cell__title'},
            h('span', {class: 'material-no', text: (n + 1) + '. '}), h('span', {class: 'material-name', text: text(m.MATERIAL_NAME)}))),
          cell('材料形式', text(m.ZZHDZB_TEXT)),
          cell('份数', text(m.PAGE_NUM)),
          cell('是否必要', text(m.IS_NEED_TEXT)),
          cell('来源渠道', text(m.SOURCE_TYPE_TEXT)),
          m.FORM_URL || m.EXAMPLE_URL ? h('div', {class: 'van-cell material-files'},
            h('div', {class: 'van-cell__title'}, fileLink(m.FORM_URL, '空白表格')),
            h('div', {class: 'van-cell__value'}, fileLink(m.EXAMPLE_URL, '示例样表'))) : null));
      });
    }).catch(function () {
      if (token !== renderToken) { return; }
      holder.textContent = '';
      holder.appendChild(empty('材料加载失败，请稍后重试'));
    });
  }

  // ------------------------------------------------------------------ router

  var cleanups = [];
  function render() {
    cleanups.forEach(function (f) { f(); });
    cleanups = [];
    renderToken += 1;
    app.textContent = '';
    window.scrollTo(0, 0);
    var path = location.pathname.replace(/\/+$/, '') || '/h5';
    var query = new URLSearchParams(location.search);
    var m;
    if (path === '/h5' || path === '/h5/home' || path === '/h5/index') {
      if (path !== '/h5/home') { history.replaceState(null, '', url('/h5/home')); }
      renderHome(renderToken);
    } else if (path === '/h5/search') {
      renderSearch(query, renderToken);
    } else if (path === '/h5/category') {
      renderCategory(query, renderToken);
    } else if ((m = /^\/h5\/guide\/([^/]+)\/materials$/.exec(path))) {
      renderMaterials(decodeURIComponent(m[1]), renderToken);
    } else if ((m = /^\/h5\/guide\/([^/]+)$/.exec(path))) {
      renderGuide(decodeURIComponent(m[1]), renderToken);
    } else {
      var body = page('页面不存在', true);
      body.appendChild(empty('您访问的页面不存在'));
      body.appendChild(h('div', {class: 'guide-links'}, h('a', {href: url('/h5/home'), text: '返回首页'})));
    }
  }

  // ------------------------------------------------------------------ the splash advert

  function splash() {
    try { if (sessionStorage.getItem('h5_splash_shown') === '1') { return; } sessionStorage.setItem('h5_splash_shown', '1'); } catch (e) { /* private mode */ }
    var left = SPLASH_SECONDS;
    var skip = h('div', {class: 'splash-ad__skip', role: 'button', tabindex: '0', text: '跳过 ' + left});
    var layer = h('div', {class: 'splash-ad', role: 'dialog', 'aria-label': '启动广告'},
      h('div', {class: 'splash-ad__image'},
        h('div', {class: 'splash-ad__title', text: CFG.cityName + '掌上办事'}),
        h('div', {class: 'splash-ad__slogan', text: '“' + CFG.siteName + '”App 全新上线，扫码下载，办事更便捷'})),
      skip);
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) { dismiss(); return; }
      skip.textContent = '跳过 ' + left;
    }, 1000);
    function dismiss() { clearInterval(timer); layer.remove(); document.body.classList.remove('van-overflow-hidden'); }
    skip.addEventListener('click', function (e) { e.stopPropagation(); dismiss(); });
    document.body.classList.add('van-overflow-hidden');
    document.body.appendChild(layer);
  }

  window.addEventListener('popstate', render);
  window.addEventListener('pagehide', saveScroll);
  if ('scrollRestoration' in history) { history.scrollRestoration = 'manual'; }
  render();
  splash();
})();
